"""Generated from protos/ by tools/protogen.py; do not edit."""
