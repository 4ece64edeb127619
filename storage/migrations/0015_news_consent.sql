-- Consent to newsletters and invitations (issue 12). Ambassadors give it by signing up; anyone
-- else only by saying yes to the one-tap question (after their first bold, or in /newsletters).
-- NULL: not asked yet; 0: said no; 1: said yes. Nobody who wrote before has said yes.
ALTER TABLE people ADD COLUMN news_consent INTEGER CHECK (news_consent IN (0, 1));
ALTER TABLE people ADD COLUMN news_consent_at TEXT;  -- when they answered: the record of consent
