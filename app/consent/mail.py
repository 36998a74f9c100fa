"""Toestemming in the notification catalog (app/notifications/catalog.py): the yearly request
and its reminder two weeks later. (Registered in the Toestemming issue's mail work.)"""
