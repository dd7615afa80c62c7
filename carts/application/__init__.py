"""The carts' application floor: commands, the one handler, the repository, the access policy.

Interfaces (carts.web, carts.api, carts.backoffice, the tasks) build a command and hand it to
``handler.handle`` with the request's or task's ``Context``; nothing here knows HTTP, forms or
templates. Imports run one way: this floor uses carts.domain and eventstore, never an interface.
"""
