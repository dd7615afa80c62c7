"""The cart domain: events, the Cart aggregate, value objects and rules. Standard library only."""
