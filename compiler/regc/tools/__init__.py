"""External programs, each behind one small module with a clear error when it is missing."""
