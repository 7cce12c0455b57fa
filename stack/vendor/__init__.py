"""Code that belongs to the third-party payment vendor (account 222222222222), not to the ticketing
system: the fake gateway Lambda that PaymentProcessor calls across accounts."""
