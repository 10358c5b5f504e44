"""Secrets: hash, certify and encrypt what an environment needs, reusing what is unchanged."""
