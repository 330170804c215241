"""The shared inbox: harvest replies, triage them, time them, answer them."""
