"""The service layer: every write goes through here, with the acting user (Actor)."""
