"""The commands of regc, one module each (build, check, diff, render, graph, init, schema, import, keys,
secrets, users, rgw-commands): each takes what its command line gave and returns the exit status."""
