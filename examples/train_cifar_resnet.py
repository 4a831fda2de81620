"""Train a ResNet-152 on CIFAR-10 with a hand-written PyTorch loop."""
import torch
import torchvision
from torch import nn
from torch.utils.data import DataLoader
from torchvision import transforms

device = torch.device("cuda")

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])
train_set = torchvision.datasets.CIFAR10(root="data", train=True, download=True, transform=transform)
test_set = torchvision.datasets.CIFAR10(root="data", train=False, download=True, transform=transform)
train_loader = DataLoader(train_set, batch_size=128, shuffle=True)
test_loader = DataLoader(test_set, batch_size=256)

model = torchvision.models.resnet152(num_classes=10)
model = nn.DataParallel(model).to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

for epoch in range(30):
    model.train()
    for step, (images, labels) in enumerate(train_loader):
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        print(f"epoch {epoch} step {step} loss {loss.item():.4f}")
        torch.save(model.state_dict(), "checkpoints/resnet152.pt")

    model.eval()
    correct = 0
    for images, labels in test_loader:
        outputs = model(images.to(device))
        correct += (outputs.argmax(dim=1) == labels.to(device)).sum().item()
    print(f"epoch {epoch}: accuracy {correct / len(test_set):.3f}")
