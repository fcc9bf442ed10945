"""The gRPC servicer: proto <-> domain, exceptions -> status codes."""
