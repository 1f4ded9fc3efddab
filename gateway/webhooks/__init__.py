"""Webhooks (docs/integrations.md "Webhooks"): subscriptions of a tenant's admin, and the signed,
retried delivery of the tenant's published events to them.

- routes.py: `/v1/webhooks` (subscriptions, secret rotation, the delivery log, re-sending).
- dispatch.py: the consumer group `gateway-webhooks` over the streamed topics stages a delivery row
  per matching subscription and commits its Kafka position only after the rows are committed.
- send.py: the sender loop POSTs due deliveries (payload.py: body and Standard Webhooks signature),
  retried on schedule.py's backoff; ssrf.py keeps them off private addresses.
- store.py: the tables (gateway/models.py `Webhook`, `WebhookDelivery`).
"""
