"""HTTP entrypoints: parse the request, call the service functions, answer."""
