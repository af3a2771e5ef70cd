"""The base layer: what every other layer may use and which uses none of them.

``calendar`` (months and periods), ``metrics`` (the registry of output names,
units and number formats), ``atomic`` (every file chipsim writes goes through
it) and ``lifeline`` (worker processes that end with their parent).
"""
