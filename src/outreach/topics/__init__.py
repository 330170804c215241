"""Topics: group what citizens asked about, count the people behind each group, rank.

``rank`` (pure: no database, no network) turns messages into ranked groups;
``service`` stores a ranking run and the staff's edits (merge, split, rename,
choose) and carries the edits over to a new run; ``export`` writes the XLSX;
``followup`` prepares the post answering the chosen questions after the
broadcast. Heavy libraries (kiwipiepy, scikit-learn) are imported inside the
functions that need them, so ``outreach --help`` stays fast.
"""
