"""Shop integrations: Shopify and Stripe webhooks, verified the way each platform signs them and
turned into the sales and refunds `POST /conversions` takes. May import money, accounts, storage, base."""
