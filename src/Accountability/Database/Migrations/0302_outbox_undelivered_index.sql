-- What an operator looks at and re-queues (accountability outbox list / requeue): the messages not delivered, among
-- every delivered one the table keeps. Few at any time, so a small partial index finds them without scanning history.
CREATE INDEX outbox_message_undelivered ON outbox_message (id) WHERE delivered_at IS NULL;
