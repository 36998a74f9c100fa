"""Shared person editing: a person's profile, extra phone numbers, photo and privacy form.

Used alike by Mijn account (a user's own data), Mijn kinderen (a guardian or staff editing
a child) and Beheer (the office editing a parent or staff member). No blueprint of its own:
the pages stay with their menu item; this package holds their forms, services and the inline
numbers section, so no blueprint imports another's.

- forms.py     validators (phone, postcode, house number), address fields, number, photo and
               privacy forms
- services.py  changing a person's data, photo and extra numbers; audited, each commits
- numbers.py   the inline "extra numbers" section (a view helper: htmx fragment or redirect)
"""
