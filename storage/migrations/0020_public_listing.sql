-- Consent to stand on the public list of ambassadors (the web page /ambassadors): asked once in
-- the sign-up, changed at any time in /me. NULL: not listed (the default, and what leaving,
-- becoming passive and erasure set); otherwise when the person said yes, the record of consent.
-- A sign-up waiting at the consent step when this runs has no answer to the new question: it
-- goes on as it stood, and its consent stores the person as not listed.
ALTER TABLE ambassadors ADD COLUMN listed_at TEXT;

-- The public list reads only listed, active ambassadors, in name order.
CREATE INDEX ambassadors_listed ON ambassadors (display_name)
    WHERE listed_at IS NOT NULL AND status = 'active';
