"""The shop in the browser: views, forms, template tags, ``request.cart``, the request guard.

Thin: parse the request, build a command, hand it to carts.application.handler, render.
"""
