package postgres

// NullID is id as a nullable parameter: 0, the stores' "none", is SQL NULL.
func NullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
