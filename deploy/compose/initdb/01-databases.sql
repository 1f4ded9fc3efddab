-- One database per service (each service owns its data; no service reads another's database),
-- and the gateway's own (directory, API keys, erasure requests, import jobs).
-- Run once by the postgres image's entrypoint, as POSTGRES_USER, on an empty data volume.
CREATE DATABASE rapport_insight;
CREATE DATABASE rapport_network;
CREATE DATABASE rapport_content;
CREATE DATABASE rapport_scoring;
CREATE DATABASE rapport_gateway;
-- the keyring: the keys personal data on the topics and in the outboxes is sealed with (docs/privacy.md)
CREATE DATABASE rapport_keyring;
