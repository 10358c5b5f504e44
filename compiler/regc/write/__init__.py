"""Write: compare the compiled tree with the disk and replace it all or nothing."""
