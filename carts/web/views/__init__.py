"""The shop's pages, one module per subject: catalog, cart, checkout, carts and history, accounts.

Every view is thin: it parses the request, calls a cart service or a selector, and renders or
redirects. Rules live in the Cart aggregate; a refused command comes back as its message.
"""
