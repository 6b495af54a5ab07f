"""Business rules. Flask-free: plain data and an explicit acting user in, documents out."""
