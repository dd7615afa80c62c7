"""The carts' pages in the Django admin: the cart list, each cart's audit timeline, staff
actions (abandon, goodwill) and exports. Thin, as the shop's views are."""
