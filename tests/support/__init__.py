"""Code the tests share: message strategies, service fixtures."""
