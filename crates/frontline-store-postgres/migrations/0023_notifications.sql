-- Staff notifications (issue 21, extended by issue 23): what each staff member chose to be
-- told of by mail, and mail to staff in the outbox. Same version number, tables and columns
-- as the SQLite migration 0023; constraints are named for error classification.

-- Every choice a person made, kept (no row: nothing, the default). `seq` is the sequence
-- number of its `person.notifications_set` event, so the mail follower applies the choice in
-- force when an event happened. `email` is a JSON array of notification kinds, each once.
CREATE TABLE notification_choices (
    person_id  uuid NOT NULL
               CONSTRAINT notification_choices_person_fk REFERENCES people (id),
    seq        bigint NOT NULL,
    email      jsonb NOT NULL,
    chosen_at  timestamptz NOT NULL,
    CONSTRAINT notification_choices_pkey PRIMARY KEY (person_id, seq)
);

-- `notification`: mail to a staff member, on no case, sent from the system sender.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('case', 'account', 'notification'));
