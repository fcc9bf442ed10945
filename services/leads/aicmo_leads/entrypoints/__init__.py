"""The gRPC servicer: proto <-> domain, nothing more."""
