from budgetlens.cli import app

app()
