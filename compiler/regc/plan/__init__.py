"""Plan: a validated spec plus derived names and the domain rules that tie its parts together."""
