"""Re-identification risk of what an export lets out: column roles, k-anonymity, prosecutor risk."""
