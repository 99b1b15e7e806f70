"""jixiao-kb HTTP service: FastAPI app factory, routes and schemas (imports ``indexer``)."""
