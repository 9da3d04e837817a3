from freqlens.plot.style import centred_extent


def test_centred_extent_puts_cell_centres_on_the_frequencies_for_odd_and_even_sizes():
    # 5 cells: frequencies −2 … 2, so the axis spans −2.5 … 2.5 (5 units, DC cell centred on 0)
    assert centred_extent((5, 5)) == [-2.5, 2.5, 2.5, -2.5]
    # 4 cells: frequencies −2 … 1 (torch.fft.fftshift layout)
    assert centred_extent((4, 4)) == [-2.5, 1.5, 1.5, -2.5]
    # rows (f_u, vertical, top to bottom) and columns (f_v, horizontal) are independent
    assert centred_extent((3, 6)) == [-3.5, 2.5, 1.5, -1.5]
