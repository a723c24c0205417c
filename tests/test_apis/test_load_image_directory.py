"""load_image on a path that is a folder says so (not 'file not found')."""
import pytest

from mmsniper.apis import load_image


def test_directory_is_named_as_such(tmp_path):
    folder = tmp_path / 'photo.jpg'  # a folder with an image's name
    folder.mkdir()
    with pytest.raises(IsADirectoryError,
                       match='is a directory, not a file: .*photo.jpg'):
        load_image(str(folder))
    # callers catching FileNotFoundError (e.g. demo/image_demo.py) still
    # get their one-line error
    with pytest.raises(FileNotFoundError, match='is a directory'):
        load_image(folder)


def test_missing_file_message_unchanged(tmp_path):
    with pytest.raises(FileNotFoundError, match='image file not found'):
        load_image(str(tmp_path / 'nope.jpg'))
