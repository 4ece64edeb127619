-- The sign-up asks about e-mail once: an address typed in answer is a yes to the newsletter by
-- e-mail, and the separate yes/no question is gone. A sign-up waiting at that question (its
-- address given) moves on to the consent with that yes; an edit waiting there is dropped
-- (the person is asked again when they next change their e-mail).
UPDATE conversations
SET step = 'consent', answers = json_set(answers, '$.newsletter_by_email', json('true'))
WHERE name = 'signup' AND step = 'newsletter_by_email';

DELETE FROM conversations WHERE name = 'edit' AND step = 'newsletter_by_email';
