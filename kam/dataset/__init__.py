"""A realistic large dataset for benchmarks (issue 9): `manage.py generate_dataset`.

plan.py decides, per user and per restaurant, everything that shapes its history (status path, ordering
pattern, call cadence, the last calls and hence the call plan); rows.py turns those plans into table rows as
text lines; load.py writes them with COPY on PostgreSQL (bulk inserts elsewhere).
"""
