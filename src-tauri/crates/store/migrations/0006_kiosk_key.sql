-- The kiosk key bound with a workstation address: the SHA-256 fingerprint
-- of the TLS certificate the team's kiosk presented the first time it
-- identified from its bound address. Any change of the address forgets it.
ALTER TABLE teams ADD COLUMN kiosk_fingerprint TEXT
    CHECK (kiosk_fingerprint IS NULL OR length(kiosk_fingerprint) = 71);

CREATE TRIGGER teams_address_change_forgets_kiosk_key
AFTER UPDATE OF ip ON teams
WHEN OLD.ip IS NOT NEW.ip
BEGIN
    UPDATE teams SET kiosk_fingerprint = NULL WHERE id = NEW.id;
END;
