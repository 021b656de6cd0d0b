// Package checksum is the code under test: the Fletcher-16 checksum.
package checksum

// Fletcher16 returns the Fletcher-16 checksum of data.
func Fletcher16(data []byte) uint16 {
	var a, b uint16
	for _, c := range data {
		a = (a + uint16(c)) % 255
		b = (b + a) % 255
	}
	return b<<8 | a
}
