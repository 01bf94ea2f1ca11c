"""Pure logic: plain values in, decisions out; no sockets, no database, no files."""
