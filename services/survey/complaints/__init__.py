"""Citizens' complaints and suggestions, the citizen's side: intake and tracking."""
