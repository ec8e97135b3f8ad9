"""Numbers: lambdified evaluation, exact decisions, the answer key and the mistake library."""
