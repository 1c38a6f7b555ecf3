"""The pages of the review app, one module each; they read and write through budgetlens and review_app.queries."""
