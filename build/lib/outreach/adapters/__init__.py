"""Adapters: the database, mail servers, and files of the workspace."""
