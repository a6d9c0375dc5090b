"""`manage.py benchmark` (issue 9): server time and query counts of the key pages and API endpoints, the raw time of
each one's main query, EXPLAIN of the top queries, and wall time and peak memory of the nightly jobs.

targets.py says what is measured (and the budgets); measure.py how; nightly.py runs one nightly job in a fresh
process so its peak memory is its own.
"""
