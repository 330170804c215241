"""outreach: a city hall's social media outreach, end to end."""

__version__ = "0.1.0"
