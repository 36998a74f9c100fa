"""Notification e-mail: recording what is to be mailed (services.py); the worker sends."""
