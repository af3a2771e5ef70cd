"""The base layer: what every other layer may use and which uses none of them.

``calendar`` (months and periods), ``metrics`` (the registry of output names,
units and number formats), ``names`` (display names of segment, vendor and
product ids), ``files`` (every output file is written through it, by a
temporary file and an atomic rename) and ``lifeline`` (worker processes that
end with their parent).
"""
