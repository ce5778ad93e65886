"""Routing: community thread, contact center, advocacy or ignore, with the reason.

Not built yet: it arrives with the routing issue (#5). The package exists so the
distribution's layout is settled; nothing here is called by the pipeline today.
"""
