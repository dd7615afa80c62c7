"""The projectors that build this shop's read models."""
