"""Classify flower photos with a Keras ResNet50."""
import keras
from keras import layers

train_ds = keras.utils.image_dataset_from_directory("flowers/train", image_size=(224, 224), batch_size=32)
val_ds = keras.utils.image_dataset_from_directory("flowers/val", image_size=(224, 224), batch_size=32)

backbone = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, 3))
model = keras.Sequential([backbone, layers.GlobalAveragePooling2D(), layers.Dense(5, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(train_ds, validation_data=val_ds, epochs=50)
