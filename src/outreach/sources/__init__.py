"""Where a post's data comes from: a data file named by date, or a feed item."""
