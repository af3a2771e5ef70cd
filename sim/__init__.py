"""chipsim: a SimPy Monte Carlo model of China's datacenter AI-chip procurement."""

__version__ = "0.1.0"
