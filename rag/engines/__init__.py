"""Answer engines: one interface (`base.AnswerEngine`), chosen by name in newsdesk.components."""
