"""The API's views: commands, cart queries, the event feed and the read models."""
